"""FHIR R4 (4.0.1) IHE mCSD Directory at ``/fhir/r4/``: ITI-90 search and read, ITI-91 history.

Resources are rendered from the relational models with ``fhir.resources.R4B`` at the edge; only
public-safe fields leave the building (no ID numbers, birth dates, phones or 资格证书编码).
"""
