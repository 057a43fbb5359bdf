"""Fine-tuning on refinery's outputs: TRL SFT/DPO with PEFT adapters (`trainer.run_training` is the entry point).

`data` reads and tokenizes records, `preflight` checks the machine, `report` and `model_card` write the results,
`launch` builds the multi-GPU `accelerate launch` command.
"""
