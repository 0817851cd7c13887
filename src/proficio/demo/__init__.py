"""The demo organisation behind `proficio demo`: a seeded company and the files its importers
read (docs/demo.md)."""

from proficio.demo.files import write_demo_files
from proficio.demo.generate import DemoOrg, Table, generate_demo

__all__ = ["DemoOrg", "Table", "generate_demo", "write_demo_files"]
