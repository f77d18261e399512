"""The commands of the CLI, one module per area; importing them registers them on bot.cli.app."""
