"""The 1Password CLI (`op`): run without a shell, bounded in time and output."""
