"""`batch-emulator conformance`: a suite of checks run against any server that claims the OpenAI Files and
Batches APIs (this emulator, a gateway, another emulator).

- `client`: the HTTP client; every answer it gets is checked against the OpenAI document.
- `waiting`: how time passes: the server's clock API when there is one (this emulator's), else polling.
- `checks`: the checks, in the order they run.
- `runner`: runs them within a time budget and collects the results.
- `report`: the results as a table and as JSON.
"""
