use atakora::crud_api;

#[crud_api]
pub enum Shape {
    Circle,
    Square,
}

fn main() {}
