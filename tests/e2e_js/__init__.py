"""End-to-end tests with the official Parse JavaScript SDK (node scripts driven by pytest)."""
