pub mod gigya_mock;
