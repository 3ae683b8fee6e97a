"""The five dashboard panes."""
