"""Settings, errors, ids, time, money and security primitives shared by every layer."""
