"""Registry: regions and schools, the drill-down tree, and the province's registry imports."""
