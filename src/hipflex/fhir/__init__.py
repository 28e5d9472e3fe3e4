"""FHIR R4B export: a Bundle of the prescription and the sessions (see docs/fhir.md).

``inputs`` holds the plain dataclasses a caller fills (the local app from its protocol, the clinic
server from its own prescription model); ``bundle`` is the only module that imports
``fhir.resources``. Nothing is imported here, so ``hipflex --help`` stays light.
"""
