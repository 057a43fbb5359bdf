"""A local stand-in for the Hugging Face Hub API: just enough for `HfApi.create_repo` + `HfApi.upload_folder`.

Endpoints (those huggingface_hub 2.4 calls for a dataset upload, read from its `hf_api.py`, `_commit_api.py`,
`_upload_pipeline.py` and `lfs.py`):

- `POST /api/repos/create`                               create a repo (`visibility: private|public`)
- `POST /api/validate-yaml`                              check README.md's front matter (a small subset)
- `GET  /api/datasets/ORG/NAME/tree/REV[/PATH]`          list files (for `delete_patterns`)
- `POST /api/datasets/ORG/NAME/preupload/REV`            decide per file: `regular` (inline) or `lfs`
- `POST /datasets/ORG/NAME.git/info/lfs/objects/batch`   LFS batch: where to PUT each object
- `PUT  /lfs-objects/OID`                                receive an LFS object (its sha256 must be OID)
- `POST /api/datasets/ORG/NAME/commit/REV`               the commit: ndjson header, files, lfsFiles, deletions

Files whose name ends with one of `lfs_suffixes` are answered `lfs` in preupload (as the Hub does for binary
files); everything else `regular`. Xet storage is not implemented: with hf_xet installed, huggingface_hub uploads
`lfs`-mode files through the Xet CAS protocol, which this stand-in cannot serve, so tests that want LFS files turn
Xet off on the client side (`huggingface_hub.hf_api.is_xet_available`).

Every request is recorded (method, path, whether an Authorization header came and if it carried the expected
token); the Authorization header's value itself is never stored, so the records can be printed safely.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse


@dataclass
class Repo:
    repo_id: str
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Call:
    method: str
    path: str
    authorized: bool  # Authorization: Bearer <the expected token>


class HubStandIn:
    """Run with `with HubStandIn(token) as hub:`; `hub.endpoint` is the base URL for `HfApi(endpoint=...)`."""

    def __init__(self, token: str, lfs_suffixes: tuple[str, ...] = ()) -> None:
        self.token = token
        self.lfs_suffixes = lfs_suffixes
        self.repos: dict[str, Repo] = {}
        self.calls: list[Call] = []
        self.lfs_objects: dict[str, bytes] = {}  # oid (sha256 hex) -> content
        self.lfs_announced: dict[str, dict[str, Any]] = {}  # repo path -> {"oid", "size"} from the commit
        self.validated_cards: list[str] = []  # README.md contents sent to /api/validate-yaml
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ request handling

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, status: int, payload: Any = None, headers: dict[str, str] | None = None) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                path = unquote(url.path)
                auth = self.headers.get("Authorization") or ""
                authorized = auth == f"Bearer {hub.token}"
                with hub._lock:
                    hub.calls.append(Call(method, path, authorized))
                body = self._body()
                if path.startswith("/lfs-objects/"):  # storage URLs are pre-signed on the Hub: no auth needed
                    return self._reply(*hub.put_lfs(path.removeprefix("/lfs-objects/"), body))
                if not authorized:
                    return self._reply(401, {"error": "Invalid credentials in Authorization header"})
                status, payload = hub.route(method, path, body)
                self._reply(status, payload)

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_PUT(self) -> None:  # noqa: N802
                self._handle("PUT")

        return Handler

    def route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method == "POST" and path == "/api/repos/create":
            return self.create_repo(json.loads(body))
        if method == "POST" and path == "/api/validate-yaml":
            return self.validate_yaml(json.loads(body))
        if method == "POST" and path.endswith("/info/lfs/objects/batch"):
            repo_id = path.removeprefix("/datasets/").removesuffix(".git/info/lfs/objects/batch")
            return self.lfs_batch(repo_id, json.loads(body))
        if path.startswith("/api/datasets/"):
            parts = path.removeprefix("/api/datasets/").split("/")
            repo_id, action = "/".join(parts[:2]), parts[2] if len(parts) > 2 else ""
            repo = self.repos.get(repo_id)
            if repo is None:
                return 404, {"error": f"Repository {repo_id} not found"}
            if method == "GET" and action == "tree":
                prefix = "/".join(parts[4:])
                return 200, [
                    {"type": "file", "path": p, "size": len(c), "oid": hashlib.sha1(c).hexdigest()}
                    for p, c in sorted(repo.files.items())
                    if p.startswith(prefix)
                ]
            if method == "POST" and action == "preupload":
                return 200, self.preupload(json.loads(body))
            if method == "POST" and action == "commit":
                return self.commit(repo, body)
        return 404, {"error": f"stand-in does not implement {method} {path}"}

    def create_repo(self, payload: dict[str, Any]) -> tuple[int, Any]:
        if payload.get("type") != "dataset":
            return 400, {"error": "this stand-in only hosts datasets"}
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.endpoint}/datasets/{repo_id}"
        if repo_id in self.repos:
            return 409, {"error": "You already created this dataset repo", "url": url}
        self.repos[repo_id] = Repo(repo_id, payload.get("visibility") == "private")
        return 200, {"url": url, "name": repo_id, "id": repo_id}

    def validate_yaml(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """A small subset of the Hub's card check: the front matter parses, and each config names its data files.
        The real Hub validates much more (license ids, language codes, task categories)."""
        import yaml

        content = payload.get("content", "")
        self.validated_cards.append(content)
        errors = []
        if not content.startswith("---\n"):
            errors.append("README.md has no YAML front matter")
        else:
            try:
                meta = yaml.safe_load(content.split("---\n", 2)[1]) or {}
            except yaml.YAMLError as err:
                meta, errors = {}, [f"YAML does not parse: {err}"]
            for config in meta.get("configs", []):
                if not config.get("config_name") or not config.get("data_files"):
                    errors.append(f"config without config_name or data_files: {config}")
        return (400 if errors else 200), {"errors": [{"message": e} for e in errors], "warnings": []}

    def preupload(self, payload: dict[str, Any]) -> dict[str, Any]:
        files = []
        for entry in payload["files"]:
            lfs = entry["path"].endswith(self.lfs_suffixes) and entry["size"] > 0
            files.append({"path": entry["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False})
        return {"files": files}

    def lfs_batch(self, repo_id: str, payload: dict[str, Any]) -> tuple[int, Any]:
        if repo_id not in self.repos:
            return 404, {"error": f"Repository {repo_id} not found"}
        objects = [
            {
                "oid": obj["oid"],
                "size": obj["size"],
                "authenticated": True,
                "actions": {"upload": {"href": f"{self.endpoint}/lfs-objects/{obj['oid']}"}},
            }
            for obj in payload["objects"]
        ]
        return 200, {"transfer": "basic", "objects": objects}

    def put_lfs(self, oid: str, body: bytes) -> tuple[int, Any]:
        if hashlib.sha256(body).hexdigest() != oid:
            return 400, {"error": "sha256 of the body does not match the object id"}
        self.lfs_objects[oid] = body
        return 200, None

    def commit(self, repo: Repo, body: bytes) -> tuple[int, Any]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        changes: dict[str, bytes | None] = {}
        for line in lines:
            value = line["value"]
            if line["key"] == "file":
                changes[value["path"]] = base64.b64decode(value["content"])
            elif line["key"] == "lfsFile":
                content = self.lfs_objects.get(value["oid"])
                if content is None or len(content) != value["size"]:
                    return 422, {"error": f"LFS object {value['oid']} for {value['path']} was never uploaded"}
                self.lfs_announced[value["path"]] = {"oid": value["oid"], "size": value["size"]}
                changes[value["path"]] = content
            elif line["key"] in ("deletedFile", "deletedFolder"):
                changes[value["path"]] = None
        for path, content in changes.items():
            if content is None:  # a deleted file, or every file under a deleted folder
                for existing in [p for p in repo.files if p == path or p.startswith(path.rstrip("/") + "/")]:
                    del repo.files[existing]
            else:
                repo.files[path] = content
        oid = hashlib.sha1(body).hexdigest()
        repo.commits.append({"oid": oid, "summary": header.get("summary"), "paths": sorted(changes)})
        return 200, {"commitUrl": f"{self.endpoint}/datasets/{repo.repo_id}/commit/{oid}", "commitOid": oid}
