fn main() {
    atakora::build::emit().expect("atakora: templates");
}
