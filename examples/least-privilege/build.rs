fn main() {
    atakora::build::emit();
}
