"""The dental practice's cloud code (loaded at boot with --cloud, default this package)."""
