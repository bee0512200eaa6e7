#![allow(unused_imports)]
use atakora::{backend, crud_api, Backend, CrudApi};
use serde::{Deserialize, Serialize};

// A read-only and an admin API on one container with 400 RU/s: one container of 400 RU/s,
// within `max_throughput_per_database = 500` (the shared container is counted once).
#[crud_api(partition_key = "/id", container = "notes", throughput = 400, operations(read, list))]
#[derive(Serialize, Deserialize)]
pub struct Note {
    pub id: String,
}

#[crud_api(partition_key = "/id", container = "notes", throughput = 400)]
#[derive(Serialize, Deserialize)]
pub struct NoteAdmin {
    pub id: String,
}

#[backend(app = "notes", limits(max_throughput_per_database = 500))]
pub struct Notes {
    pub notes: CrudApi<Note>,
    pub admin: CrudApi<NoteAdmin>,
}

fn main() {
    let plan = Notes::plan("dev").unwrap();
    assert!(plan.validate().is_ok(), "{:?}", plan.validate());
}
