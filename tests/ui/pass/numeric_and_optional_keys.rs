#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/year")]
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub year: u16,
}

#[crud_api(partition_key = "/region")]
#[derive(Serialize, Deserialize)]
pub struct Reading {
    pub id: Box<str>,
    pub region: Option<String>,
    pub value: f64,
}

#[crud_api(partition_key = "/active")]
#[derive(Serialize, Deserialize)]
pub struct Flag {
    pub id: String,
    pub active: bool,
}

fn main() {}
