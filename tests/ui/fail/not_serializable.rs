use atakora::crud_api;

#[crud_api(partition_key = "/category")]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
