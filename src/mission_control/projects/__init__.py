"""Projects: ticket prefixes, membership of agents, archive and delete."""
