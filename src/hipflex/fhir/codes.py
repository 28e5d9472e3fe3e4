"""The code systems and codes the FHIR export uses, in one place (docs/fhir.md says why each).

Plain constants: the builder, the tests and the docs read them, and nothing here imports a
FHIR library.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipflex.domain.protocol import Side

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# A record's uuid as a business identifier, the standard way (no invented namespace).
URI_IDENTIFIER = "urn:ietf:rfc:3986"
# HL7 Extensions Pack: laterality of Observation.bodySite, for use through R5.
STRUCTURE_LATERALITY = "http://hl7.org/fhir/StructureDefinition/observation-structureLaterality"


@dataclass(frozen=True)
class Code:
    """One coding: system, code and its display text."""

    system: str
    code: str
    display: str


EXERCISE_THERAPY = Code(SNOMED, "229065009", "Exercise therapy (regime/therapy)")
PAIN_SCORE = Code(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
# No LOINC code and no verified SNOMED observable for "hip extension" as such: the hip range of
# movement observable, with the direction in the text (see docs/fhir.md).
HIP_RANGE_OF_MOVEMENT = Code(
    SNOMED, "299238003", "Hip joint - range of movement (observable entity)"
)
HIP_JOINT = Code(SNOMED, "24136001", "Hip joint structure (body structure)")
LATERALITY = {
    Side.RIGHT: Code(SNOMED, "24028007", "Right (qualifier value)"),
    Side.LEFT: Code(SNOMED, "7771000", "Left (qualifier value)"),
}
SOFTWARE_DEVICE = Code(SNOMED, "706689003", "Application program software (physical object)")
CATEGORY_SURVEY = Code(OBSERVATION_CATEGORY, "survey", "Survey")
CATEGORY_ACTIVITY = Code(OBSERVATION_CATEGORY, "activity", "Activity")
DEGREES = Code(UCUM, "deg", "deg")
