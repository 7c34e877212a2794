"""Every kind of job, imported once so that the web process and the worker know the same registry.
A domain that adds a kind adds its module here."""


def register_all() -> None:
    from portal.audit import export_jobs as _audit_export  # noqa: F401  (kind "audit_export")
    from portal.enrolment import bulk as _bulk  # noqa: F401  (kind "enrolment_bulk_import")
    from portal.enrolment import export_jobs as _library_export  # noqa: F401  (kind "library_export")
    from portal.enrolment import rematch  # noqa: F401  (kind "rematch")
    from portal.funding import export_jobs as _funding_export  # noqa: F401  (kind "funding_export")
    from portal.library import jobs  # noqa: F401  (kind "library_import")
    from portal.notices import jobs as _notices  # noqa: F401  (kind "notices_pdf")
    from portal.oversight import export_jobs as _oversight_exports  # noqa: F401  (people_export, school_list_export)
