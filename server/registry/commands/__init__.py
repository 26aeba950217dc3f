"""The registry's commands: registering employees, creating and changing positions, family ties, a unit's
performance predicate, personnel records and position workloads.

They are not workflows (no definition, no states): each is one run of the write path
(``server.commands.run_command``: authorize first, validate, write, audit, one transaction). The authority
question is asked through ``server.authority.Actor``, which ``policies.authority.Acting`` answers; what a
workflow knows (the seats decided requests hold) is passed in (``positions.SeatsTaken``).
"""
