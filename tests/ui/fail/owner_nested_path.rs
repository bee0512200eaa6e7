#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Meta {
    pub user: String,
}

#[crud_api(owner = "/meta/user")]
#[derive(Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub meta: Meta,
}

fn main() {}
