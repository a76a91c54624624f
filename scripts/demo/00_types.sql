-- keys, signatures and program derived addresses
\pset footer off
SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'::solana.pubkey AS spl_token,
       solana.is_on_curve('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS on_curve;
SELECT * FROM solana.find_program_address(ARRAY['vault'::bytea], 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE');
SELECT solana.associated_token_address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM',
                                       'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v') AS usdc_account;
