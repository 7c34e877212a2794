"""Funding: project catalogue, funded lists per school and period, funding status of library students, fiscal allocations."""
