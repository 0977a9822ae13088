"""The command line of pseudoalign: click commands and their rendering. Installed as pseudoalign.cli."""
