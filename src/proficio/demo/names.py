"""Small built-in name lists for the demo organisation, drawn from many languages and regions.

Built in rather than from a fake-data library: the demo must not depend on a package whose
lists change between versions, or the same seed would stop giving the same organisation.
"""

from __future__ import annotations

import random

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Abdul", "Ada", "Adebayo", "Aiko", "Aisha", "Alejandro", "Amara", "Amir",
    "Ana", "Anders", "Anika", "Arjun", "Astrid", "Ayumi", "Beatriz", "Bilal", "Bo", "Camille",
    "Carlos", "Chen", "Chiara", "Chidi", "Daniel", "Dmitri", "Elena", "Emeka", "Emma", "Esra",
    "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hiroshi", "Ibrahim",
    "Ines", "Ingrid", "Isabel", "Ivan", "Jamal", "James", "Jia", "Joao", "Jonas", "Kai",
    "Kalani", "Karim", "Kavya", "Kofi", "Lars", "Laura", "Leila", "Liam", "Lina", "Lucia",
    "Luis", "Maja", "Malik", "Mariam", "Mateo", "Mei", "Mohammed", "Nadia", "Naledi", "Niamh",
    "Nikhil", "Noah", "Nora", "Olga", "Oliver", "Omar", "Priya", "Rafael", "Rania", "Ravi",
    "Rosa", "Sade", "Samir", "Sara", "Sebastian", "Sipho", "Sofia", "Sven", "Tamar", "Tariq",
    "Thandiwe", "Thomas", "Tomasz", "Valentina", "Wei", "Yara", "Yusuf", "Zainab", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abara", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker",
    "Bianchi", "Brown", "Campbell", "Chen", "Costa", "Dang", "Demir", "Dubois", "Eriksson",
    "Fernandes", "Fischer", "Garcia", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hassan",
    "Hernandez", "Hoffmann", "Ito", "Ivanova", "Jansen", "Johansson", "Kaur", "Khan", "Kim",
    "Kowalski", "Kumar", "Larsen", "Lee", "Lopez", "Mahlangu", "Martin", "Mendes", "Mensah",
    "Moreau", "Muller", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak", "Obi", "O'Brien",
    "Okafor", "Olsen", "Owusu", "Patel", "Pereira", "Petrov", "Popescu", "Quinn", "Rahman",
    "Reddy", "Rossi", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Smith", "Sorensen",
    "Suzuki", "Tanaka", "Taylor", "Tran", "Van Dijk", "Wang", "Williams", "Wilson", "Wong",
    "Yamamoto", "Yilmaz", "Zhang", "Zulu",
)  # fmt: skip

# Customers of the demo company, who appear only inside Customer Operations' submissions.
CUSTOMER_DOMAINS = ("mailbox.example", "post.example", "inbox.example")


def full_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_local(name: str) -> str:
    """`Mei O'Brien` -> `mei.obrien`: the part of an address before the @."""
    kept = "".join(c for c in name.lower() if c.isalnum() or c == " ")
    return ".".join(kept.split())
