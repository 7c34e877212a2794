"""Per-school progress figures per term, kept up to date by each write; dashboards read only these."""
