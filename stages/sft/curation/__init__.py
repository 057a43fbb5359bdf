"""SFT and preference curation (`refinery sft-curate`): per-record checks (structure.py, measures.py), prompt
dedup (dedup.py) and the runner that reads, checks, writes and accounts for every record (runner.py)."""
