"""The provincial base library of special-hardship people (特殊困难人群基础信息库)."""
