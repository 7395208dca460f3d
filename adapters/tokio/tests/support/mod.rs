pub mod mock_operator;
