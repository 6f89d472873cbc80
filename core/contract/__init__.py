"""Wire contract v1: shared by the core, the kiosks and the device bridges."""
