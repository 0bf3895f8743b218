//! The desired state: playbook YAML, strict validation with located errors, secrets.
