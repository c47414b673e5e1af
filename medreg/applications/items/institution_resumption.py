"""医疗机构解除停业: declared in ``institution_suspension`` next to 停业; registered here (one ITEM per module)."""

from medreg.applications.items.institution_suspension import InstitutionResumption

ITEM = InstitutionResumption()
