"""Teacher distillation: ask a strong model (an OpenAI-compatible API or vLLM in-process) for reasoning traces
and answers, reliably and without paying twice for one request.

`client` is the teacher client layer (with `engine`, `budget`, `delivery`, `http_backend`, `vllm_backend`, retries,
rate limits and the persistent request cache). A run (`runner.run_distill`) follows the data: `tasks` (prompts and
requests) -> `teacher` (the client, asked once) -> `samples` (reasoning split, verdicts) -> `outcomes` (kept and
rejected records, pass-rate band) -> `manifest` (accounting) -> `output` and `exports` (the files).
"""
