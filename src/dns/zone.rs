pub struct Zone;
pub struct ZoneError;
