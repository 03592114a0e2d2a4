"""The region's data: sources, the build pipeline, curated layers, validation and the store."""
