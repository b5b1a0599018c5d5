"""The dental practice's cloud code (loaded at boot with --cloud, default this package).

Rules (issue 4):
- a new Patient is readable and writable by the staff user who created it and by
  `role:administrator` (`patients.py`);
- XRayLog, TreatmentPlan and AppointmentReminder take the ACL of their Patient and are refused
  with 101 when the caller cannot read that Patient; TreatmentPlan.status is one of planned,
  in_progress, completed, cancelled and only moves forward; AppointmentReminder.appointmentDate
  must be in the future (`records.py`);
- User.role is `staff` or `administrator`, only an administrator sets it, and it is mirrored into
  the `_Role`s of the same names so ACLs and CLPs can name them (`users.py`);
- only administrators delete patients, and never one that still has x-rays or plans
  (`patients.py`);
- the `sendAppointmentReminders` job mails each reminder due in the next 24 hours once, every
  15 minutes (`reminders.py`).

As with Parse validators, the master key skips the *validation* rules (status values and
transitions, appointment dates) so tooling can repair data; ACL inheritance, the patient-delete
integrity rule and role values apply to every caller.
"""

from __future__ import annotations

from parse_compat.cloud import Cloud

from . import patients, records, reminders, users


def register(cloud: Cloud) -> None:
    patients.register(cloud)
    records.register(cloud)
    users.register(cloud)
    reminders.register(cloud)
