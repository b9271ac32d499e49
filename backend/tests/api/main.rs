//! Backend integration tests: the real server on 127.0.0.1:0 with a fresh
//! database per test, on SQLite and on PostgreSQL.

mod accounts;
mod admin;
mod attachments;
mod authz_matrix;
mod bad_input;
mod cli;
mod crash;
mod dining;
mod isolation;
mod ledger;
mod offline;
mod ops;
mod payments;
mod repairs;
mod support;
mod sync;
