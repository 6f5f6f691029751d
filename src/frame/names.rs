//! Column names shared by the readers, the audit, the reports and the screens.
