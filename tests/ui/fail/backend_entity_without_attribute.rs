use atakora::{backend, CrudApi};

pub struct Product {
    pub id: String,
}

#[backend(app = "shop")]
pub struct Shop {
    pub products: CrudApi<Product>,
}

fn main() {}
