use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/userId", ttl = 3000000000)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
}

fn main() {}
