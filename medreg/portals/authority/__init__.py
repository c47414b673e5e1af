"""管理端: the authority portal (work queue, application decisions, account administration)."""
