"""Social platform API connectors: one module per platform, all built on `client.ApiClient`."""
