"""机构端: the institution portal (staff activation, confirmation queue, roster)."""
