#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

// Two APIs on one container count it once (400), but the shared database throughput of `Tag`
// adds 400: 800 RU/s, above the limit.
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

#[crud_api(partition_key = "/id")]
#[derive(Serialize, Deserialize)]
pub struct Tag {
    pub id: String,
}

#[backend(app = "notes", limits(max_throughput_per_database = 500))]
pub struct Notes {
    pub notes: CrudApi<Note>,
    pub admin: CrudApi<NoteAdmin>,
    pub tags: CrudApi<Tag>,
}

fn main() {}
