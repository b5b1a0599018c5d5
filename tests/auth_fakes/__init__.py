"""Local fakes of identity providers (JWKS, Graph, GitHub, OAuth2 introspection) and test adapters."""
