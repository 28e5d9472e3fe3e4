"""The home side of the clinic link: pairing, the outbox sender and the prescription pull.

Public surface: :mod:`hipflex.sync.client` (HTTP), :mod:`hipflex.sync.pairing`,
:mod:`hipflex.sync.push`, :mod:`hipflex.sync.pull` and :mod:`hipflex.sync.token_file`.
"""
