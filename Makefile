.PHONY: check test lint docs

check: lint test

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy

test:
	.venv/bin/python -m pytest

docs:
	.venv/bin/python -m proficio.docs
