"""Submission and review: a school submits a period's work (funded list, unfunded reasons); its county
approves or returns it; deadlines lock it until the county reopens it. One mechanism for every kind."""
