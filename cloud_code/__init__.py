"""The dental practice's cloud code (loaded at boot with --cloud, default this package).

Rules (issue 4):
- a new Patient is readable and writable by the staff user who created it (its `owner`) and by
  `role:administrator`; the owner or an administrator shares it with colleagues or roles
  (`patients.py`, `sharing.py`);
- XRayLog, TreatmentPlan and AppointmentReminder take the ACL of their Patient and are refused
  with 101 when the caller cannot read that Patient; TreatmentPlan.status is one of planned,
  in_progress, completed, cancelled and only moves forward; AppointmentReminder.appointmentDate
  must be in the future (`records.py`);
- User.role is `staff` or `administrator`, only an administrator sets it, and it is mirrored into
  the `_Role`s of the same names, which the server makes and repairs at boot (`users.py`,
  `roles.py`);
- only administrators delete patients, and never one that still has x-rays or plans
  (`patients.py`);
- patients' names, emails and phones are checked on save, and the `sendAppointmentReminders`
  job mails each reminder due in the next 24 hours once, every 15 minutes, from a fixed text
  with daily caps and an opt-out (`patient_fields.py`, `reminders.py`);
- staff are invited or created by administrators (`staff.py`); nobody signs up;
- administrators export everything held on a patient as one archive (`export.py`);
- administrators read a patient's access audit trail (`access_log.py`; the server records it).

Server options the template sets when the operator leaves them unset (issue 12; each can be
overridden on the command line, in the environment or the config file):
`allowPublicSignup` false, `sessionLength` 8 hours (a working day), `sessionIdleTimeout` 30
minutes, `accountLockout` 5 failures → 15 minutes, `passwordPolicy` at least 12 characters, not
containing the username, not a common password (`passwords.py`, `common_passwords.txt`).

As with Parse validators, the master key skips the *validation* rules (status values and
transitions, appointment dates) so tooling can repair data; ACL inheritance, the patient-delete
integrity rule, contact-field checks and role values apply to every caller.
"""

from __future__ import annotations

from parse_compat.cloud import Cloud

from . import access_log, export, patients, records, reminders, sharing, staff, users
from .passwords import password_policy
from .roles import ensure_practice_roles

WORKING_DAY = 8 * 3600
IDLE_TIMEOUT = 30 * 60


def register(cloud: Cloud) -> None:
    cloud.defaults(allowPublicSignup=False, sessionLength=WORKING_DAY, sessionIdleTimeout=IDLE_TIMEOUT,
                   accountLockout={"threshold": 5, "duration": 15}, passwordPolicy=password_policy())
    cloud.on_boot(ensure_practice_roles)
    patients.register(cloud)
    records.register(cloud)
    users.register(cloud)
    reminders.register(cloud)
    staff.register(cloud)
    sharing.register(cloud)
    export.register(cloud)
    access_log.register(cloud)
