// The attributes work under other names; the build helper follows the renames too
// (tests/tests/build_helper.rs).
use atakora::{backend as deployment, crud_api as api, CrudApi};
use serde::{Deserialize, Serialize};

#[api(partition_key = "/id", ttl = 60)]
#[derive(Serialize, Deserialize)]
pub struct Note {
    pub id: String,
}

#[deployment(app = "aliases")]
pub struct Notes {
    pub notes: CrudApi<Note>,
}

fn main() {
    assert_eq!(Notes::plan("dev").unwrap().model().containers().next().unwrap().2.default_ttl, Some(60));
}
