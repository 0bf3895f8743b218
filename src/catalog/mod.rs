//! Facts per product and release: versions, prompts, cipher registry and policy.
